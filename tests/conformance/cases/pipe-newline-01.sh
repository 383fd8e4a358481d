echo abc |
tr a-c x-z
