mkdir d
cd d | true
basename "$PWD"
