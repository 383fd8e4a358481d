true
(exit 9)
