#!/bin/bash
name=jOHN
echo "${name,,}" "${name^^}"
lower=${name,,}
echo "${lower^}"
