#!/bin/bash
printf "c\na\nb\n" > x
printf "b\nc\nd\n" > y
diff <(sort x) <(sort y); echo "diff=$?"
comm -12 <(sort x) <(sort y)
