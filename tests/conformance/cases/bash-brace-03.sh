#!/bin/bash
echo '{a,b}' "{a,b}" {single} {a..} {}
echo pre{A,B{x,y}}post
