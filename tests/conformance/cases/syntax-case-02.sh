case x
esac
