# change: echo extra >> logs/day2.log
# rerun: tar -cf
tar -cf logs.tar --sort=name --mtime=2026-01-01 --owner=0 --group=0 --numeric-owner logs
gzip -n -c logs.tar > logs.tar.gz
gzip -dc logs.tar.gz | tar -tf - | sort
md5sum logs.tar.gz | cut -c1-8
