#!/bin/bash
shopt -q extglob && echo on || echo off
shopt -s extglob
shopt -q extglob && echo on || echo off
shopt -u extglob
shopt extglob
