x='it''s'
echo "$x"
echo 'multi
line'
