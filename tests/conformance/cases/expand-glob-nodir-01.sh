touch f
echo f/*
echo */
