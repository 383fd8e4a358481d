#!/bin/bash
echo -e "tab\there"
x='a\nb'
echo "$x"
echo -e "$x"
echo -en 'n\n'
