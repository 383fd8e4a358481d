#!/bin/bash
shopt extglob
shopt -q nullglob; echo "q=$?"
shopt -s nullglob
shopt -q nullglob; echo "q=$?"
shopt -p globstar nullglob
shopt -s nosuch; echo "rc=$?"
shopt -s checkwinsize expand_aliases; echo "ok $?"
