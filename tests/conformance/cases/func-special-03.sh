f() { echo regular; }
f
cd() { echo mycd; }
cd /
unset() { :; }
echo never
