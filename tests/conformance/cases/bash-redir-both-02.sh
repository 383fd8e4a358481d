#!/bin/bash
echo first &> f
echo second &>> f
cat f
