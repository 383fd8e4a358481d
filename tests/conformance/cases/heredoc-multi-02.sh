cat <<A - 3<<B
from A
A
from B
B
