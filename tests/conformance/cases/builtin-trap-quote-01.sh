trap "echo 'single' \"double\"" EXIT
trap
