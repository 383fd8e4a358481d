cat 3<<END <&3
via fd 3
END
