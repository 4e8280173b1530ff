"""The demo municipality (Нефтекумский городской округ) that `kruzhok demo_load` creates."""
