printf '%d\n' 0x10 010 "'A"
