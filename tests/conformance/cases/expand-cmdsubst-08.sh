echo $(echo ')')
echo $(case x in x) echo case-in-subst;; esac)
