/bin/echo run 205778277 line 0
head -c 279 small.txt
cut -c1-1 small.txt | head -n 31
printf '%s\n' 205778277-3 | wc -c
/bin/echo run 205778277 line 4
head -c 283 small.txt
cut -c1-5 small.txt | head -n 35
printf '%s\n' 205778277-7 | wc -c
/bin/echo run 205778277 line 8
head -c 287 small.txt
cut -c1-9 small.txt | head -n 39
printf '%s\n' 205778277-11 | wc -c
/bin/echo run 205778277 line 12
head -c 291 small.txt
cut -c1-13 small.txt | head -n 43
printf '%s\n' 205778277-15 | wc -c
/bin/echo run 205778277 line 16
head -c 295 small.txt
cut -c1-17 small.txt | head -n 47
printf '%s\n' 205778277-19 | wc -c
/bin/echo run 205778277 line 20
head -c 299 small.txt
cut -c1-21 small.txt | head -n 1
printf '%s\n' 205778277-23 | wc -c
/bin/echo run 205778277 line 24
head -c 303 small.txt
cut -c1-25 small.txt | head -n 5
printf '%s\n' 205778277-27 | wc -c
/bin/echo run 205778277 line 28
head -c 307 small.txt
cut -c1-29 small.txt | head -n 9
printf '%s\n' 205778277-31 | wc -c
/bin/echo run 205778277 line 32
head -c 311 small.txt
cut -c1-33 small.txt | head -n 13
printf '%s\n' 205778277-35 | wc -c
/bin/echo run 205778277 line 36
head -c 315 small.txt
cut -c1-37 small.txt | head -n 17
printf '%s\n' 205778277-39 | wc -c
/bin/echo run 205778277 line 40
head -c 319 small.txt
cut -c1-1 small.txt | head -n 21
printf '%s\n' 205778277-43 | wc -c
/bin/echo run 205778277 line 44
head -c 323 small.txt
cut -c1-5 small.txt | head -n 25
printf '%s\n' 205778277-47 | wc -c
/bin/echo run 205778277 line 48
head -c 327 small.txt
cut -c1-9 small.txt | head -n 29
printf '%s\n' 205778277-51 | wc -c
/bin/echo run 205778277 line 52
head -c 331 small.txt
cut -c1-13 small.txt | head -n 33
printf '%s\n' 205778277-55 | wc -c
/bin/echo run 205778277 line 56
head -c 335 small.txt
cut -c1-17 small.txt | head -n 37
printf '%s\n' 205778277-59 | wc -c
/bin/echo run 205778277 line 60
head -c 339 small.txt
cut -c1-21 small.txt | head -n 41
printf '%s\n' 205778277-63 | wc -c
/bin/echo run 205778277 line 64
head -c 343 small.txt
cut -c1-25 small.txt | head -n 45
printf '%s\n' 205778277-67 | wc -c
/bin/echo run 205778277 line 68
head -c 347 small.txt
cut -c1-29 small.txt | head -n 49
printf '%s\n' 205778277-71 | wc -c
/bin/echo run 205778277 line 72
head -c 351 small.txt
cut -c1-33 small.txt | head -n 3
printf '%s\n' 205778277-75 | wc -c
/bin/echo run 205778277 line 76
head -c 355 small.txt
cut -c1-37 small.txt | head -n 7
printf '%s\n' 205778277-79 | wc -c
/bin/echo run 205778277 line 80
head -c 359 small.txt
cut -c1-1 small.txt | head -n 11
printf '%s\n' 205778277-83 | wc -c
/bin/echo run 205778277 line 84
head -c 363 small.txt
cut -c1-5 small.txt | head -n 15
printf '%s\n' 205778277-87 | wc -c
/bin/echo run 205778277 line 88
head -c 367 small.txt
cut -c1-9 small.txt | head -n 19
printf '%s\n' 205778277-91 | wc -c
/bin/echo run 205778277 line 92
head -c 371 small.txt
cut -c1-13 small.txt | head -n 23
printf '%s\n' 205778277-95 | wc -c
/bin/echo run 205778277 line 96
head -c 375 small.txt
cut -c1-17 small.txt | head -n 27
printf '%s\n' 205778277-99 | wc -c
