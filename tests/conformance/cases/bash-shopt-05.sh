#!/bin/bash
shopt -s nocasematch
case ABC in abc) echo nocase;; esac
[[ XyZ == xyz ]] && echo nc2
[[ XyZ == x[a-z]Z ]] && echo nc3
shopt -u nocasematch
[[ XyZ == xyz ]] || echo case-again
