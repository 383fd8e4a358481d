_f1() { echo underscore; }
_f1
