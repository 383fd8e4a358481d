echo a }
{ }
