case x in x echo; esac
