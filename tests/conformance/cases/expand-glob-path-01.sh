mkdir -p x/y
touch x/y/z1 x/y/z2
echo x/*/z*
echo x/y/z[2]
