exit 258
