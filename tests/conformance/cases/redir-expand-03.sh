echo ok > ${x:-dflt}
cat dflt
