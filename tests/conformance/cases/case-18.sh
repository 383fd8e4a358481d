case abc in *c) echo first;; a*) echo second;; esac
