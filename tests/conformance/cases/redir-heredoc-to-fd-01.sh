cat 3<<END <&3
three
END
