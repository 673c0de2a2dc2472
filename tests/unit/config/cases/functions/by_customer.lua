return {topic = "orders." .. record.customer}
