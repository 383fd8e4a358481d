#!/bin/bash
re='^[a-z]+@[a-z]+\.com$'
for e in joe@mail.com bad@x nope; do
	if [[ $e =~ $re ]]; then echo "ok $e"; else echo "no $e"; fi
done
