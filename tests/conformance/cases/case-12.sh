case x in x) echo last-without-dsemi
esac
