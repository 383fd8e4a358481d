a | b && c || ! d & e; (f; g) > out 2>&1 <in 3<>rw 4>>app >|clob <&- 5>&2
