#!/bin/bash
log() { echo "[${FUNCNAME[1]:-main}] $*"; }
start() { log starting; }
start
log top
