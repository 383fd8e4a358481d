echo }
{ echo a; echo }; }
