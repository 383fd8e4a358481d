{ false || echo inner; } && echo outer
(true && exit 5) || echo status $?
