exec 7>f7 8>f8 9>f9
echo seven >&7; echo eight >&8; echo nine >&9
exec 7>&- 8>&- 9>&-
cat f7 f8 f9
