echo line1
echo line2
if ; then
echo never
