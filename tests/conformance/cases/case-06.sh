case a.c in *.[ch]) echo source;; esac
case a.o in *.[ch]) echo source;; *) echo object;; esac
