trap 'echo status $?' EXIT
(exit 3)
