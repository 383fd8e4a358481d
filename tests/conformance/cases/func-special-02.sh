set() { echo mine; }
