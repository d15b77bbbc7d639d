// twilio-2 (generated)
<?php
namespace App\Http\Controllers;
use Illuminate\Http\Request;
class CartController extends Controller
{
    $TWILIO_KEY_SID = 'SK45e8d1d47ef3c910ab0c640c67d45bfb';
    public function index(Request $request) { return view("cart"); }
}
