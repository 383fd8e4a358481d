export A=1 B=2
export -p | grep -E "^export [AB]="
