#!/bin/bash
printf "%s=%s\n" a 1 b 2 c
printf "%05.1f|%-5s|%+d\n" 3.14159 hi 7
