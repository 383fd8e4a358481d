echo "`echo \"inner\"`"
echo `echo '$HOME' | tr a-z A-Z`
