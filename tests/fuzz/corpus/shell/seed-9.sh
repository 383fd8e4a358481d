echo "${x:+"a b"}" ${x#"a"} "${x%%[a-c]*}" ${u-~/p} ${u=v} ${u?set}
