#!/bin/bash
s=aaa-bbb-ccc
echo "${s/-/_} ${s//-/_} ${s/#aaa/X} ${s/%ccc/Y}"
echo "${s//[ab]/}"
