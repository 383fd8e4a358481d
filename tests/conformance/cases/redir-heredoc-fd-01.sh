cat 0<<END
fd zero
END
