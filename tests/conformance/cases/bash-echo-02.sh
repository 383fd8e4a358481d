#!/bin/bash
echo -e 'stop\chere'
echo after
echo -e '\x41\0102'
echo -x
echo --
