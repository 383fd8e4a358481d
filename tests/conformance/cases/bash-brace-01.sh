#!/bin/bash
echo {a,b,c}
echo x{1,2,3}y
echo {a,b}{1,2}
