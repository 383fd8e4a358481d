case abc in ?b?) echo q;; esac
case abcd in ?b?) echo no;; *) echo nomatch;; esac
