echo abc > f
cat < f | tr a-c A-C
