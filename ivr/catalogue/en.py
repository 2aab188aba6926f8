"""Every text of the product in English."""

MESSAGES = {
    # --- common -------------------------------------------------------------------------
    "common.city": "City of Saguenay",

    # --- hotline (ivr/hotline) ----------------------------------------------------------
    "common.goodbye": "Thank you. Goodbye.",
    "common.error": "Sorry, something went wrong. Please call again later. Goodbye.",
    "sms.temporary_password": ("City of Saguenay: your temporary password for the emergency "
                               "call line is {code}. You will change it at your next call."),
    "hotline.welcome": "City of Saguenay, emergency call line.",
    "hotline.no_input": "I did not hear anything.",
    "hotline.invalid": "That choice is not valid.",
    "hotline.too_many_strikes": "We could not go on. Call again any time.",
    "hotline.option.staff": "To speak with a staff member, press 0.",
    "hotline.option.repeat": "To hear this again, press 9.",
    "hotline.staff.transfer": "One moment, I am transferring you to a staff member.",
    "hotline.staff.closed": "Our staff answer from {start} to {end}. Please call then.",
    "hotline.language.prompt": "For English, press 2.",
    "hotline.language.name.fr": "French",
    "hotline.language.name.en": "English",
    "hotline.enter_number.prompt": ("Enter the 10-digit telephone number, with the area code, "
                                    "then the pound key."),
    "hotline.number.area_code": "Some digits are missing. Enter all 10 digits, with the area code.",
    "hotline.number.too_long": "There are too many digits.",
    "hotline.number.invalid": "This number does not exist.",
    "hotline.confirm_number.prompt": ("You entered {number}. If that is right, press 1. To "
                                      "start again, press 2."),
    "hotline.unregistered.prompt": ("The number {number} is not registered. To register this "
                                    "number, press 1. For another number, press 2."),
    "hotline.auth.prompt": ("Enter your password, then the pound key. If you forgot it, press "
                            "the star key."),
    "hotline.auth.wrong": "That password is not right.",
    "hotline.auth.too_many": "Too many tries.",
    "hotline.auth.locked": ("After too many tries, telephone access for this number is blocked "
                            "for {minutes} minutes. Please call again later."),
    "hotline.auth.temporary": "Now choose a new password.",
    "hotline.forgot.call": ("We will call you back at {number} in a moment, to tell you a "
                            "temporary password. Please hang up now."),
    "hotline.forgot.sms": "We are sending a temporary password by text message to {number}.",
    "hotline.forgot.limit": "You already asked for 3 passwords today. Please call again tomorrow.",
    "hotline.account.prompt": ("Your number is registered. Alert calls are {state}. To "
                               "{toggle}, press 1. To change your password, press 2. To hear "
                               "your information, press 3. To change the language of the "
                               "calls, press 4. To unregister your residence, press 5."),
    "hotline.state.on": "on",
    "hotline.state.off": "off",
    "hotline.toggle.on": "turn them on",
    "hotline.toggle.off": "turn them off",
    "hotline.account.alerts_now": "Alert calls are now {state}.",
    "hotline.account.info": "Number: {number}. Address: {address}. Language of calls: {language}.",
    "hotline.account.address_review": "the address you said, being checked",
    "hotline.choose_language.prompt": "For alert calls in French, press 1. In English, press 2.",
    "hotline.choose_language.done": "Alert calls will be in {language}.",
    "hotline.unregister.prompt": ("To confirm that your residence is unregistered, press 1. To "
                                  "keep it, press 2."),
    "hotline.unregister.done": "Your residence is unregistered. You will get no more alert calls.",
    "hotline.pin_changed": "Your new password is saved. Keep it.",
    "hotline.consent.prompt": ("The City will call you during emergency measures, civil "
                               "security actions or major situations, such as a boil-water "
                               "advisory. To accept, press 1. To cancel, press 2."),
    "hotline.consent.cancelled": "Registration is cancelled.",
    "hotline.civic.prompt": "Enter your civic number, then the pound key.",
    "hotline.apartment.prompt": ("Enter your apartment number, then the pound key. With no "
                                 "apartment, just press the pound key."),
    "hotline.address_choice.item": "For {address}, press {digit}.",
    "hotline.address_choice.prompt": "{choices} If your address is not in the list, press 0.",
    "hotline.street_letters.prompt": ("Several streets have this number. Enter the first "
                                      "letters of the street name, without words like street "
                                      "or boulevard, then the pound key."),
    "hotline.street_letters.more": "There are still several streets. Add letters.",
    "hotline.address.not_found": "I cannot find this address in the City's list.",
    "hotline.address_record.prompt": ("After the beep, say your full address, with the city, "
                                      "then press the pound key."),
    "hotline.address_taken.prompt": ("This address already has a registered number: one number "
                                     "per residence. To enter another address, press 1."),
    "hotline.name_record.prompt": ("After the beep, say your last name and first name, then "
                                   "press the pound key. To skip, press the pound key."),
    "hotline.set_pin.prompt": "Choose a password of 4 to 8 digits, then the pound key.",
    "hotline.confirm_pin.prompt": "Enter it again, then the pound key.",
    "hotline.pin.length": "The password must have 4 to 8 digits.",
    "hotline.pin.repeated": "One digit repeated is not allowed.",
    "hotline.pin.sequence": "A run of digits, like 1 2 3 4, is not allowed.",
    "hotline.pin.phone": "The last digits of the telephone number are not allowed.",
    "hotline.pin.mismatch": "The two passwords are different. Let us start again.",
    "hotline.done": ("Done. The number {number} is registered for {address}. Keep your "
                     "password. Goodbye."),
    "hotline.done.pending": ("We will call {number}. The person who answers must press 1 to "
                             "confirm."),
    "hotline.done.address_recorded": "the address you said",
    "hotline.callback.verify.prompt": ("Hello, this is the City of Saguenay. Someone registered "
                                       "this number to receive the City's emergency calls. To "
                                       "confirm, press 1. Otherwise, hang up."),
    "hotline.callback.verify.done": "Thank you, this number is confirmed. Goodbye.",
    "hotline.callback.verify.not_done": "This number is not confirmed. Goodbye.",
    "hotline.callback.password": ("Hello, this is the City of Saguenay. Your temporary password "
                                  "is: {code}. I repeat: {code}. At your next call, you will "
                                  "choose a new one. Goodbye."),

    # --- alert call (dialer) -----------------------------------------------------------

    # --- console (ivr/console) ----------------------------------------------------------

}
