true &&
echo after-newline
false ||
echo after-or
