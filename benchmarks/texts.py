"""Ordinary news sentences with no pause in them, shared by the benchmarks' text generators."""

BACKGROUND = [
    "The finance minister said on Tuesday that the budget deficit would narrow next year as tax revenue recovered.",
    "Heavy rain caused flooding in several districts, and the weather service warned of more storms over the weekend.",
    "Shares in the carmaker rose 4% after it reported higher quarterly profits and raised its outlook for the year.",
    "Police arrested three men in connection with the robbery, a spokesman told reporters outside the court.",
    "The opposition leader accused the government of mismanaging the economy during a heated debate in parliament.",
    "Officials said the new hospital wing would open in the spring, adding 200 beds for the region's growing population.",
    "The central bank kept its main interest rate unchanged, citing persistent inflation in services and housing.",
    "Thousands of people attended the festival, which organisers said was the largest since it began in 1998.",
    "The minister met her counterpart in Brussels to discuss energy prices and the security of gas supplies.",
    "Scientists said the survey showed a sharp decline in bird numbers across farmland over the past two decades.",
]
